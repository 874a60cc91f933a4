//! Writing XML with a real writer (quick-xml), so every user value is escaped, never pasted.
//!
//! Escaping covers `<`, `>`, `&`, quotes and `\r` (so Oozie reads back exactly what was written).
//! What no escaping can carry is refused up front: XML 1.0 has no way to write most control
//! characters, even as character references, so [`check_text`] rejects them with the name of
//! the value that holds them.

use std::collections::BTreeMap;

use edp_plugin_api::EngineError;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// Refuses text that XML 1.0 cannot represent: control characters other than tab, newline and
/// carriage return, and the non-characters U+FFFE and U+FFFF.
pub(crate) fn check_text(what: &str, value: &str) -> Result<(), EngineError> {
    let bad =
        value.chars().find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    match bad {
        Some(c) => Err(EngineError::invalid_job(format!(
            "{what} contains the character U+{:04X}, which XML (and so Oozie) cannot carry",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// An XML document being written, indented by two spaces.
pub(crate) struct XmlDoc {
    writer: Writer<Vec<u8>>,
}

// Writing into a Vec<u8> cannot fail; the io::Result of quick-xml is only about the sink.
fn written(result: std::io::Result<()>) {
    debug_assert!(result.is_ok(), "writing XML into memory failed: {result:?}");
}

impl XmlDoc {
    /// A document with the `<?xml version="1.0" encoding="UTF-8"?>` declaration.
    pub(crate) fn new() -> Self {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        written(writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))));
        Self { writer }
    }

    /// Opens `<name attrs...>`.
    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> &mut Self {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        written(self.writer.write_event(Event::Start(start)));
        self
    }

    /// Closes `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        written(self.writer.write_event(Event::End(BytesEnd::new(name))));
        self
    }

    /// Writes `<name attrs.../>`.
    pub(crate) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> &mut Self {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        written(self.writer.write_event(Event::Empty(start)));
        self
    }

    /// Writes `<name>text</name>`, the text escaped.
    pub(crate) fn text(&mut self, name: &str, text: &str) -> &mut Self {
        let result = self.writer.create_element(name).write_text_content(BytesText::new(text)).map(|_| ());
        written(result);
        self
    }

    /// Writes Hadoop's `<configuration>` of `<property><name/><value/></property>` items.
    pub(crate) fn configuration(&mut self, properties: &BTreeMap<String, String>) -> &mut Self {
        self.open("configuration", &[]);
        for (name, value) in properties {
            self.open("property", &[]).text("name", name).text("value", value).close("property");
        }
        self.close("configuration")
    }

    /// The document's text, ending with a newline.
    pub(crate) fn finish(self) -> String {
        let mut text = String::from_utf8(self.writer.into_inner()).unwrap_or_else(|err| {
            // Only UTF-8 text goes in, so only UTF-8 comes out.
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        });
        text.push('\n');
        text
    }
}

/// Hadoop's configuration XML of `properties`: the body of an Oozie submission.
pub(crate) fn hadoop_configuration(properties: &BTreeMap<String, String>) -> Result<String, EngineError> {
    for (name, value) in properties {
        check_text(&format!("the name of property `{name}`"), name)?;
        check_text(&format!("property `{name}`"), value)?;
    }
    let mut doc = XmlDoc::new();
    doc.configuration(properties);
    Ok(doc.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_indented_and_escaped() {
        let properties = BTreeMap::from([
            ("a".to_owned(), "1 < 2 && \"x\" > 'y'".to_owned()),
            ("b".to_owned(), "line\r\nnext\ttab".to_owned()),
        ]);
        assert_eq!(
            hadoop_configuration(&properties).expect("valid"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <configuration>\n  \
               <property>\n    <name>a</name>\n    <value>1 &lt; 2 &amp;&amp; &quot;x&quot; &gt; &apos;y&apos;</value>\n  </property>\n  \
               <property>\n    <name>b</name>\n    <value>line&#13;\nnext\ttab</value>\n  </property>\n\
             </configuration>\n"
        );
    }

    #[test]
    fn attributes_are_escaped() {
        let mut doc = XmlDoc::new();
        doc.empty("e", &[("name", "a\"b<c>&\n")]);
        assert!(doc.finish().contains(r#"<e name="a&quot;b&lt;c&gt;&amp;&#10;"/>"#));
    }

    #[test]
    fn control_characters_are_refused_with_the_value_named() {
        assert!(check_text("x", "tab\tnewline\ncr\r and unicode ✓").is_ok());
        let err = check_text("config `k`", "bell\u{7}").expect_err("BEL");
        assert_eq!(err.kind, edp_plugin_api::ErrorKind::INVALID_JOB);
        assert!(err.message.contains("config `k`") && err.message.contains("U+0007"), "{err}");
        assert!(check_text("x", "\u{0}").is_err());
        assert!(check_text("x", "\u{FFFF}").is_err());
        let properties = BTreeMap::from([("k".to_owned(), "\u{1b}[31m".to_owned())]);
        assert!(hadoop_configuration(&properties).is_err());
    }
}
