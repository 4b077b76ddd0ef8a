"""The one door to the NetworkPolicy engine: network-config-analyzer (nca), used in-process.

`check_flows(manifests, queries)` answers, for one set of manifests, whether each query holds: a
query either must be allowed (every pod pair × port) or must be denied (no connection at all, except
the connections it lists as `unless`). Connectivity is computed once per call. Each breach comes
with the engine's account of which NetworkPolicies select the two ends and which admit the flow.

Only Namespaces, Pods and NetworkPolicies are handed to nca: workloads are expanded into Pods by the
caller (stages.py), and Ingress objects are left out on purpose, since nca would model them as an
extra routing layer and simulate a controller pod ("LiveSim"). For the same reason the config is
built directly from nca's parsers rather than through ResourcesHandler, which adds simulated
kube-dns / ingress pods whenever a policy names pods that do not exist, and would hide exactly the
label mismatches this proof is for.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
from dataclasses import dataclass

from nca.CoreDS.ConnectivityProperties import ConnectivityProperties
from nca.CoreDS.Peer import BasePeerSet, IpBlock, PeerSet
from nca.CoreDS.PortSet import PortSet
from nca.CoreDS.ProtocolSet import ProtocolSet
from nca.NetworkConfig.NetworkConfig import NetworkConfig
from nca.NetworkConfig.ResourcesHandler import ResourcesParser
from nca.Resources.PolicyResources.NetworkPolicy import PolicyConnectionsFilter
from nca.Utils.NcaLogger import NcaLogger

MAX_BREACHES = 3  # per query: enough to act on, short enough to read


class EngineError(Exception):
    """nca rejected the input (e.g. a malformed NetworkPolicy); the message is nca's."""


Ports = tuple[tuple[str, int], ...] | None  # None: any protocol, any port


@dataclass(frozen=True)
class Connection:
    src: tuple[str, ...]  # "namespace/pod" or an IPv4 address
    dst: tuple[str, ...]
    ports: Ports


@dataclass(frozen=True)
class Query:
    connection: Connection
    must_allow: bool
    unless: tuple[Connection, ...] = ()  # for must-deny queries: connections that are fine


@dataclass(frozen=True)
class Verdict:
    holds: bool
    breaches: tuple[str, ...]  # "src → dst port: why", at most MAX_BREACHES


def check_flows(manifests: list[dict], queries: list[Query]) -> list[Verdict]:
    BasePeerSet.reset()  # nca keeps peers in a process-wide registry; one analysis at a time
    logger = NcaLogger()  # nca's parser advice (e.g. on empty podSelectors) is not ours to print
    logger.mute()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            analysis = _Analysis(manifests)
            return [analysis.verdict(q) for q in queries]
    except (SyntaxError, ValueError, KeyError, TypeError) as exc:
        raise EngineError(f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:  # nca raises bare Exception for invalid policies
        if type(exc) is Exception:
            raise EngineError(str(exc)) from None
        raise
    finally:
        logger.flush_messages(silent=True)
        logger.unmute()


class _Analysis:
    def __init__(self, manifests: list[dict]) -> None:
        parser = ResourcesParser()
        objects = [m for m in manifests if m.get("kind") in ("Namespace", "Pod", "NetworkPolicy")]
        declared = {m["metadata"]["name"] for m in objects if m["kind"] == "Namespace"}
        pod_namespaces = {m["metadata"]["namespace"] for m in objects if m["kind"] == "Pod"}
        objects += [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
            for n in sorted(pod_namespaces - declared)
        ]
        for obj in objects:
            parser.ns_finder.parse_yaml_code_for_ns(obj)
        parser.pods_finder.namespaces_finder = parser.ns_finder
        for obj in objects:
            if obj["kind"] == "Pod":
                parser.pods_finder.add_eps_from_yaml(obj)
        peers = parser.build_peer_container("netflow")
        parser.policies_finder.set_peer_container(peers)
        for obj in objects:
            if obj["kind"] == "NetworkPolicy":
                parser.policies_finder.parse_yaml_code_for_policy(obj, "netflow")
        parser.policies_finder.parse_policies_in_parse_queue()
        self.config = NetworkConfig("netflow", peers, parser.policies_finder)
        # Everything allowed, including connections no policy captures (what nca's connectivity map reports).
        everything = PolicyConnectionsFilter.only_all_allowed_connections()
        self.allowed = self.config.allowed_connections(res_conns_filter=everything).all_allowed_conns
        self.pods = {p.full_name(): p for p in peers.peer_set}
        self.policies = list(self.config.policies_container.policies.values())

    def peer(self, name: str):  # noqa: ANN201 - an nca Pod or IpBlock
        try:
            return IpBlock(f"{ipaddress.IPv4Address(name)}/32")
        except ValueError:
            return self.pods[name]

    @staticmethod
    def props(src, dst, ports: Ports) -> ConnectivityProperties:  # noqa: ANN001 - nca peers
        base = {"src_peers": PeerSet({src}), "dst_peers": PeerSet({dst})}
        if ports is None:
            return ConnectivityProperties.make_conn_props_from_dict(base)
        result = ConnectivityProperties.make_empty_props()
        for protocol, port in ports:
            result |= ConnectivityProperties.make_conn_props_from_dict(
                {
                    **base,
                    "protocols": ProtocolSet.get_protocol_set_with_single_protocol(protocol),
                    "dst_ports": PortSet.make_port_set_with_range(port, port),
                }
            )
        return result

    def pairs(self, connection: Connection):  # noqa: ANN201 - (name, peer) pairs
        for s in connection.src:
            for d in connection.dst:
                if s != d:  # a pod talking to itself never crosses a NetworkPolicy
                    yield s, self.peer(s), d, self.peer(d)

    def verdict(self, query: Query) -> Verdict:
        breaches = []
        for s_name, src, d_name, dst in self.pairs(query.connection):
            if query.must_allow:
                for port in query.connection.ports or (None,):
                    wanted = self.props(src, dst, None if port is None else (port,))
                    if not wanted.contained_in(self.allowed):
                        where = "" if port is None else f" {port[0]} {port[1]}"
                        breaches.append(f"{s_name} → {d_name}{where} denied: {self.explain(src, dst, wanted)}")
            else:
                wanted = self.props(src, dst, query.connection.ports)
                for fine in query.unless:
                    if s_name in fine.src and d_name in fine.dst:
                        wanted -= self.props(src, dst, fine.ports)
                admitted = wanted & self.allowed
                if admitted:
                    breaches.append(
                        f"{s_name} → {d_name} allowed ({_ports(admitted)}): {self.explain(src, dst, admitted)}"
                    )
        return Verdict(not breaches, tuple(breaches[:MAX_BREACHES]))

    def explain(self, src, dst, props: ConnectivityProperties) -> str:  # noqa: ANN001 - nca peers
        """Per side: which policies select the pod for that direction, and which of them admit `props`."""
        sides = []
        for peer, egress in ((src, True), (dst, False)):
            if isinstance(peer, IpBlock):
                continue  # NetworkPolicies select pods; an address outside the cluster has no side of its own
            direction = "egress" if egress else "ingress"
            selecting = [
                p
                for p in self.policies
                if peer in p.selected_peers and (p.affects_egress if egress else p.affects_ingress)
            ]
            if not selecting:
                sides.append(f"{direction} of {peer.full_name()} is open (no NetworkPolicy selects it)")
                continue
            admitting = [
                p for p in selecting if (p.allow_egress_props() if egress else p.allow_ingress_props()) & props
            ]
            if admitting:
                sides.append(f"{direction} admitted by NetworkPolicy {_names(admitting)}")
            else:
                sides.append(
                    f"{direction} of {peer.full_name()} is limited by NetworkPolicy {_names(selecting)}, "
                    "none of which admits it"
                )
        return "; ".join(sides)


def _names(policies: list) -> str:
    return ", ".join(sorted(p.full_name() for p in policies))


def _ports(props: ConnectivityProperties) -> str:
    ports = props.project_on_one_dimension("dst_ports")
    protocols = props.project_on_one_dimension("protocols")
    text = f"{protocols} {ports}".strip()
    return text if len(text) <= 60 else text[:57] + "..."
