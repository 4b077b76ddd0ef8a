"""Review and release tools: per-object diff with risk flags, history, rollback.

The core (`core.diff_manifests`) is pure: it takes two in-memory trees
(path → YAML text) and returns a `model.Report`. Git and synth plumbing lives in
`git.py` and `revisions.py`; the `*_cli.py` modules are what main.py calls.
"""
