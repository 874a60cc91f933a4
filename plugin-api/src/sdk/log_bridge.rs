//! Forwards the plugin's `tracing` events to the host's log.
//!
//! A cdylib links its own copy of `tracing-core`, with its own global dispatcher, so events a
//! plugin emits would vanish. The SDK installs a small subscriber as that copy's global default;
//! it drops events above the host's level at the source and hands the rest to the log sink of
//! the engine whose call is running on this thread (or, on threads an engine spawned, to the
//! engine that last scoped them, falling back to the first engine built from this library).

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, Once, PoisonError};

use abi_stable::std_types::RVec;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::subscriber::Interest;
use tracing_core::{Dispatch, Event, Level, LevelFilter, Metadata, Subscriber};

use crate::host::{HostServicesArc, LogField, LogLevel, LogRecord};

static MAX_LEVEL: AtomicU8 = AtomicU8::new(LogLevel::OFF.code());
static FALLBACK_SINK: Mutex<Option<HostServicesArc>> = Mutex::new(None);

thread_local! {
    static CURRENT_SINK: RefCell<Option<HostServicesArc>> = const { RefCell::new(None) };
}

/// Installs the bridge (once per library) and takes the host's level.
pub(crate) fn install(host: &HostServicesArc) {
    static INSTALL: Once = Once::new();
    MAX_LEVEL.store(host.max_level().code(), Ordering::Relaxed);
    FALLBACK_SINK.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(|| host.clone());
    INSTALL.call_once(|| {
        // Fails only if the plugin set its own global subscriber first; then it keeps its own.
        let _ = tracing_core::dispatcher::set_global_default(Dispatch::new(Bridge));
        std::panic::set_hook(Box::new(|info| {
            emit_panic_message(&info.to_string());
        }));
    });
    tracing_core::callsite::rebuild_interest_cache();
}

/// While alive, this thread's `tracing` events go to one engine's log sink.
pub struct LogScope {
    previous: Option<HostServicesArc>,
}

impl LogScope {
    pub(crate) fn enter(host: &HostServicesArc) -> Self {
        let previous = CURRENT_SINK.with(|current| current.replace(Some(host.clone())));
        Self { previous }
    }
}

impl Drop for LogScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT_SINK.with(|current| *current.borrow_mut() = previous);
    }
}

fn send(record: LogRecord) {
    let scoped = CURRENT_SINK.with(|current| current.borrow().clone());
    let sink = scoped.or_else(|| FALLBACK_SINK.lock().unwrap_or_else(PoisonError::into_inner).clone());
    if let Some(sink) = sink {
        sink.log(record);
    }
}

fn emit_panic_message(text: &str) {
    if LogLevel::ERROR.code() <= MAX_LEVEL.load(Ordering::Relaxed) {
        send(LogRecord { level: LogLevel::ERROR, target: "panic".into(), message: text.into(), fields: RVec::new() });
    }
}

fn level_code(level: &Level) -> u8 {
    match *level {
        Level::ERROR => LogLevel::ERROR.code(),
        Level::WARN => LogLevel::WARN.code(),
        Level::INFO => LogLevel::INFO.code(),
        Level::DEBUG => LogLevel::DEBUG.code(),
        Level::TRACE => LogLevel::TRACE.code(),
    }
}

struct Bridge;

impl Subscriber for Bridge {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> Interest {
        // The level can change when another engine is built, so never cache a verdict.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        level_code(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(match LogLevel::from_code(MAX_LEVEL.load(Ordering::Relaxed)) {
            LogLevel::ERROR => LevelFilter::ERROR,
            LogLevel::WARN => LevelFilter::WARN,
            LogLevel::INFO => LevelFilter::INFO,
            LogLevel::DEBUG => LevelFilter::DEBUG,
            LogLevel::TRACE => LevelFilter::TRACE,
            _ => LevelFilter::OFF,
        })
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Spans are not forwarded; events inside them are.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut visitor = FieldCollector::default();
        event.record(&mut visitor);
        send(LogRecord {
            level: LogLevel::from_code(level_code(metadata.level())),
            target: metadata.target().into(),
            message: visitor.message.into(),
            fields: visitor.fields.into(),
        });
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[derive(Default)]
struct FieldCollector {
    message: String,
    fields: Vec<LogField>,
}

impl Visit for FieldCollector {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields.push(LogField { name: field.name().into(), value: value.into() });
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record_str(field, &text);
    }
}
