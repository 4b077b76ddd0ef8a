"""Constructs take their own props, never the whole Environment (synthesis/environment_props.py maps it)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from cdk8s import App, Chart
from constructs import Construct

import docrouter.platform
from docrouter import config
from docrouter.platform import api_objects
from docrouter.platform.app import AppIngress, IngressProps
from docrouter.platform.flux import FluxChart


def platform_constructs() -> list[type[Construct]]:
    found = []
    for info in pkgutil.iter_modules(docrouter.platform.__path__):
        module = importlib.import_module(f"docrouter.platform.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Construct):
                found.append(cls)
    return found


def test_no_platform_construct_takes_the_environment():
    constructs = [cls for cls in platform_constructs() if not issubclass(cls, api_objects.KubeObject)]
    assert len(constructs) > 10
    takes_env = [
        cls.__name__
        for cls in constructs
        if cls is not FluxChart  # clusters/<env>'s chart: the root of what Flux reads, built by synth from the env
        and any(p.annotation in ("Environment", config.Environment) for p in inspect.signature(cls).parameters.values())
    ]
    assert takes_env == []


def test_a_construct_is_built_from_its_props_alone():
    chart = Chart(App(), "c", disable_resource_name_hashes=True)
    AppIngress(chart, "ingress", props=IngressProps(config.Ingress(host="docs.example.org")))
    (ingress,) = [o.to_json() for o in chart.node.find_all() if isinstance(o, api_objects.Ingress)]
    assert ingress["spec"]["rules"][0]["host"] == "docs.example.org"
    assert "tls" not in ingress["spec"]
