"""Where a webhook may be sent: the addresses its host resolves to, every one of them public.

A URL's text says little (``vm``, ``127.0.0.1.``, ``127.0.0.1.nip.io`` and ``[::ffff:127.0.0.1]``
all reach this machine), so the host is resolved and each address checked, at registration and
again at every delivery; the request then goes to the address that was checked (with the URL's
Host header and TLS name), so a second lookup cannot point it elsewhere (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""IPv6 addresses a NAT64 gateway maps to the IPv4 address in their last 32 bits."""


class NotPublic(Exception):
    """The host resolves to an address that is neither public nor in the allowed networks."""


class Unresolved(NotPublic):
    """The host does not resolve (now): nothing can be checked, so nothing is sent."""


async def resolve(host: str) -> list[str]:
    """The addresses the system resolver gives for ``host`` (tests replace this)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def literal(host: str) -> IPAddress | None:
    """The address a host written as one stands for, in any spelling resolvers accept
    (``127.1``, ``2130706433``, ``0x7f.1``, with or without a trailing dot)."""
    bare = host.rstrip(".")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (IPv4-mapped, 6to4, NAT64), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def allowed(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    """Public (not loopback, private, link-local, shared, multicast, reserved or unspecified),
    or in one of ``networks``; an IPv6 address carrying an IPv4 one is judged by that."""
    inner = embedded_ipv4(address)
    if inner.is_global and not inner.is_multicast and not inner.is_reserved:
        return True
    return any(inner in network or address in network for network in networks)


def host_of(url: str) -> str:
    """The host a request for ``url`` goes to, as the HTTP client reads it (IDNA-encoded);
    ValueError if the client cannot read the URL."""
    try:
        return httpx.URL(url).raw_host.decode("ascii")
    except httpx.InvalidURL as exc:
        raise ValueError(str(exc)) from exc


async def checked_addresses(host: str, networks: Sequence[IPNetwork]) -> list[IPAddress]:
    """Every address ``host`` resolves to now, each allowed; else NotPublic (or Unresolved)."""
    found = literal(host)
    name = host.rstrip(".").lower()
    if found is not None:
        addresses = [found]
    elif name == "localhost" or name.endswith(".localhost"):
        addresses = [ipaddress.IPv4Address("127.0.0.1")]  # RFC 6761, whatever DNS says
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await resolve(host)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise Unresolved(host) from exc
        if not addresses:
            raise Unresolved(host)
    if not all(allowed(address, networks) for address in addresses):
        raise NotPublic(host)
    return addresses


@dataclass(frozen=True)
class Target:
    """A request to make to a checked address, as if to the URL's host."""

    url: httpx.URL
    """The URL with the checked address in place of its host."""
    host: str
    """The Host header: the URL's host (and port, when not the default)."""
    extensions: dict[str, Any]
    """For https: the name the server's certificate must carry (also sent as SNI)."""


async def target(url: str, networks: Sequence[IPNetwork]) -> Target:
    """Where to send a delivery for ``url``: its host resolved and checked now; else NotPublic."""
    parsed = httpx.URL(url)
    name = host_of(url)
    address = (await checked_addresses(name, networks))[0]
    extensions = {"sni_hostname": name} if parsed.scheme == "https" else {}
    return Target(parsed.copy_with(host=str(address)), parsed.netloc.decode("ascii"), extensions)
