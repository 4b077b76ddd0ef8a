"""Operator tools, apart from the platform they check and ship.

validate (make validate), review (make diff / history / rollback), netflow (NetworkPolicy flows
proven with network-config-analyzer), secrets (make secrets-init / secrets-edit with sops),
kind (the local Kind loop). None of them is needed to change what runs in a cluster.
"""
