//! The `spark` engine library, loaded by the real host, against a real Spark 4.3.0 (pyspark
//! from PyPI, installed once into the target directory): `spark-submit --master local[1]`, and
//! a standalone Master and Worker with the REST submission server, shared by every test of
//! this binary.

mod apps;
mod host;
mod pyspark;
mod rest_mode;
mod standalone;
mod submit_mode;
mod support;
