//! `edp-host serve`: the host service.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::extract::DefaultBodyLimit;
use edp_host::api::{ApiState, Tokens, router};
use tokio::sync::watch;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::cli::{Cli, assemble};

/// Arguments of `edp-host serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Where the REST API listens; overrides `[host] listen` (default 127.0.0.1:8386).
    #[arg(long)]
    listen: Option<String>,
}

pub(crate) async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = assemble::config(cli)?;
    let listen = args.listen.clone().unwrap_or_else(|| config.host.listen.clone());
    let address: SocketAddr =
        listen.parse().with_context(|| format!("`{listen}` is not an address like 127.0.0.1:8386"))?;
    let tokens = Tokens::new(&config.tokens);
    if tokens.is_empty() && !address.ip().is_loopback() {
        bail!(
            "refusing to listen on {address} with no [[auth.tokens]] configured: anyone could run jobs; add tokens or listen on loopback"
        );
    }
    if tokens.is_empty() {
        eprintln!("edp-host: no [[auth.tokens]] configured: every request on {address} is trusted (development mode)");
    }
    let host = assemble::host(cli, "serve")?;
    let manager = host.manager;
    let listener = manager.spawn_notification_listener(host.notifications);
    let recovered = manager.recover().await?;
    let (shutdown, shutdown_signal) = watch::channel(false);
    let poller = manager.spawn_poller(shutdown_signal);
    let state = ApiState { manager: manager.clone(), tokens, max_binary_bytes: config.host.max_body_bytes };
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Micros));
    let app = router(state).layer(DefaultBodyLimit::max(config.host.max_body_bytes)).layer(trace);
    let socket = tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    let bound = socket.local_addr()?;
    println!(
        "edp-host: serving with {} engine(s) on http://{bound}; {recovered} job execution(s) recovered",
        host.engine_count
    );
    axum::serve(socket, app)
        .with_graceful_shutdown(async {
            if let Err(error) = wait_for_stop().await {
                tracing::error!(%error, "cannot wait for signals");
            }
            println!("edp-host: stopping");
        })
        .await?;
    let _ = shutdown.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), poller).await;
    listener.abort();
    Ok(ExitCode::SUCCESS)
}

/// Returns on Ctrl-C or SIGTERM.
async fn wait_for_stop() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
