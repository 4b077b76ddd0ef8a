"""DOKS: the database's (and controllers') egress to the API server, open or narrowed by `api_server_cidrs`
(docs/bootstrap.md#doks-the-api-servers-address), proven with the network-flow engine on synthesized YAML."""

from __future__ import annotations

import pytest
import yaml

from conftest import REPO
from docrouter import constants as c
from docrouter.config import ConfigError, load_environment
from docrouter_tools.netflow.proof import prove_environment
from docrouter_tools.netflow.stages import read_tree
from review_trees import synthesized

API_ADDRESS = "198.51.100.7"  # RFC 5737 documentation range: a stand-in for a DOKS control plane


def _outcomes(tree, api=None) -> dict[tuple[str, str], object]:
    return {(o.stage, o.flow.id): o for o in prove_environment("staging", "digitalocean", tree, api)}


def _by_flow(outcomes, flow_id: str) -> list:
    return [o for (_, f), o in outcomes.items() if f == flow_id]


@pytest.fixture(scope="module")
def narrowed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("env")
    tree = synthesized("staging", lambda d: d.update(api_server_cidrs=[f"{API_ADDRESS}/32"]), directory)
    return tree, load_environment("staging", directory)


def test_open_doks_egress_reaches_only_tcp_443_outside():
    outcomes = _outcomes(read_tree(REPO, "staging"))
    residual = _by_flow(outcomes, "no-mongodb-internet-but-https")
    assert residual and all(o.holds for o in residual), [o.message() for o in residual if not o.holds]
    assert not _by_flow(outcomes, "no-mongodb-internet")  # open on 443: that flow is not claimed


def test_narrowed_doks_egress_names_the_address_and_denies_the_internet(narrowed):
    tree, env = narrowed
    policy = yaml.safe_load(tree["dist/staging/database/mongodb/networkpolicy-mongodb.yaml"])
    blocks = [peer["ipBlock"]["cidr"] for rule in policy["spec"]["egress"] for peer in rule["to"] if "ipBlock" in peer]
    assert blocks == [f"{API_ADDRESS}/32"]
    outcomes = _outcomes(tree, env.api_server)
    for flow_id in ("mongodb-kube-api", "controllers-kube-api", "no-mongodb-internet"):
        found = _by_flow(outcomes, flow_id)
        assert found and all(o.holds for o in found), (flow_id, [o.message() for o in found if not o.holds])
    assert not _by_flow(outcomes, "no-mongodb-internet-but-https")


def test_the_proof_catches_an_open_policy_where_the_address_is_known(narrowed):
    # The committed (open) staging policies judged as if the address were known: the database reaches the internet.
    _, env = narrowed
    breached = [o for o in _by_flow(_outcomes(read_tree(REPO, "staging"), env.api_server), "no-mongodb-internet")]
    assert breached and not any(o.holds for o in breached)
    assert f"{c.MONGODB_NAMESPACE}/" in " ".join(breached[0].breaches)


@pytest.mark.parametrize(
    ("provider_file", "value", "words"),
    [
        ("production", ["10.0.0.1/32"], "api_server_cidrs is set but provider is aws"),
        ("staging", ["203.0.113.5"], ""),  # a bare address is accepted, written as the /32 an ipBlock needs
        ("staging", ["203.0.113.5/24"], "is not a network address such as 203.0.113.5/32"),
        ("staging", ["0.0.0.0/0"], "is every address; remove the field instead"),
        ("staging", [], "api_server_cidrs is empty"),
    ],
)
def test_bad_api_server_cidrs_is_one_line_naming_the_field(env_dir, provider_file, value, words):
    path = env_dir / f"{provider_file}.yaml"
    data = yaml.safe_load(path.read_text())
    data["api_server_cidrs"] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    if not words:
        assert load_environment(provider_file, env_dir).api_server.cidrs == ("203.0.113.5/32",)
        return
    with pytest.raises(ConfigError) as caught:
        load_environment(provider_file, env_dir)
    message = str(caught.value)
    assert words in message and provider_file in message and "\n" not in message.strip()
