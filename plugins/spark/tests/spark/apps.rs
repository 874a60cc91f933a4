//! The test applications, compiled with javac at test time against Spark's jars: an app jar
//! (`edptest.Hello`, `Fail`, `Sleep`, and `SparkSum`, a real Spark job) and a library jar
//! (`edptest.lib.Squares`) it needs from `--jars`; and a PySpark script.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::pyspark;
use crate::support;

/// The compiled applications.
pub(crate) struct Apps {
    /// `edptest-app.jar`.
    pub(crate) app_jar: Vec<u8>,
    /// `edptest-lib.jar`.
    pub(crate) lib_jar: Vec<u8>,
}

/// A PySpark application: the sum of squares of 1..=argv[1], and its arguments.
pub(crate) const PYTHON_SUM: &str = r#"import sys
from pyspark import SparkContext

sc = SparkContext.getOrCreate()
n = int(sys.argv[1])
total = sc.parallelize(range(1, n + 1), 2).map(lambda x: x * x).sum()
print("py-sum=%d args=%s" % (total, "|".join(sys.argv[1:])))
sc.stop()
"#;

const SQUARES: &str = r#"package edptest.lib;
public class Squares {
    public static long of(long x) { return x * x; }
}
"#;

const HELLO: &str = r#"package edptest;
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello " + String.join("|", args));
    }
}
"#;

const FAIL: &str = r#"package edptest;
public class Fail {
    public static void main(String[] args) {
        System.out.println("about to fail");
        throw new IllegalStateException("edp test failure on purpose");
    }
}
"#;

const SLEEP: &str = r#"package edptest;
public class Sleep {
    public static void main(String[] args) throws Exception {
        long millis = Long.parseLong(args[0]);
        System.out.println("sleeping " + millis);
        Thread.sleep(millis);
        System.out.println("awake");
    }
}
"#;

const SPARK_SUM: &str = r#"package edptest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import edptest.lib.Squares;
public class SparkSum {
    public static void main(String[] args) {
        SparkConf conf = new SparkConf();
        JavaSparkContext sc = new JavaSparkContext(conf);
        long n = Long.parseLong(args[0]);
        List<Long> numbers = new ArrayList<>();
        for (long i = 1; i <= n; i++) numbers.add(i);
        long sum = sc.parallelize(numbers, 2).map(x -> Squares.of(x)).reduce((a, b) -> a + b);
        System.out.println("sum=" + sum + " marker=" + conf.get("spark.edp.marker", "none")
            + " args=" + String.join("|", args));
        sc.stop();
    }
}
"#;

/// The applications, compiled once per test binary.
pub(crate) fn apps() -> &'static Apps {
    static APPS: OnceLock<Apps> = OnceLock::new();
    APPS.get_or_init(compile)
}

fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("JAVA_HOME").map(|home| Path::new(&home).join("bin").join(name));
    match path {
        Some(path) if path.is_file() => path,
        _ => PathBuf::from(name),
    }
}

fn write(dir: &Path, relative: &str, text: &str) -> String {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("source dir");
    std::fs::write(&path, text).expect("write source");
    relative.to_owned()
}

fn compile() -> Apps {
    let spark = pyspark::spark();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let classpath = format!("{}/jars/*", spark.home.display());
    let javac = tool("javac");
    let jar = tool("jar");
    let lib = write(root, "lib/edptest/lib/Squares.java", SQUARES);
    support::run(&javac, &["-d", "lib-classes", &lib], root);
    support::run(&jar, &["cf", "edptest-lib.jar", "-C", "lib-classes", "."], root);
    let sources: Vec<String> = [("Hello", HELLO), ("Fail", FAIL), ("Sleep", SLEEP), ("SparkSum", SPARK_SUM)]
        .iter()
        .map(|(name, text)| write(root, &format!("app/edptest/{name}.java"), text))
        .collect();
    let classpath = format!("{classpath}:lib-classes");
    let mut args = vec!["--release", "17", "-cp", &classpath, "-d", "app-classes"];
    args.extend(sources.iter().map(String::as_str));
    support::run(&javac, &args, root);
    support::run(&jar, &["cf", "edptest-app.jar", "-C", "app-classes", "."], root);
    Apps {
        app_jar: std::fs::read(root.join("edptest-app.jar")).expect("app jar"),
        lib_jar: std::fs::read(root.join("edptest-lib.jar")).expect("lib jar"),
    }
}
