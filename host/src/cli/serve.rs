//! `edp-host serve`.

use std::process::ExitCode;

use tokio::sync::watch;

use crate::cli::{Cli, assemble};

pub(crate) async fn serve(cli: &Cli) -> anyhow::Result<ExitCode> {
    let host = assemble::host(cli, "serve")?;
    let manager = host.manager;
    let listener = manager.spawn_notification_listener(host.notifications);
    let recovered = manager.recover().await?;
    let (shutdown, shutdown_signal) = watch::channel(false);
    let poller = manager.spawn_poller(shutdown_signal);
    println!("edp-host: serving with {} engine(s); {recovered} job execution(s) recovered", host.engine_count);
    wait_for_stop().await?;
    println!("edp-host: stopping");
    let _ = shutdown.send(true);
    let _ = poller.await;
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
