//! A free loopback address for the server, on a port outside the kernel's ephemeral range:
//! the server keeps it across restarts, and while it is down a client's connect could
//! otherwise be given that very port as its own and connect to itself.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// The lowest port tried.
const LOWEST: u16 = 10_000;

/// A loopback address nobody listens on right now.
pub(crate) fn free_loopback_address() -> anyhow::Result<SocketAddr> {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next().and_then(|low| low.parse::<u16>().ok()))
        .unwrap_or(32_768);
    if ephemeral_start > LOWEST + 100 {
        let mut rng = fastrand::Rng::new();
        for _ in 0..200 {
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, rng.u16(LOWEST..ephemeral_start)));
            if TcpListener::bind(address).is_ok() {
                return Ok(address);
            }
        }
    }
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?)
}
