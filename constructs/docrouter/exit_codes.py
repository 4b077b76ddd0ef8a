"""The exit codes of every command (main.py, docrouter, the Makefile's tools): one table, used everywhere."""

OK = 0  # success; validate: no errors; diff: no risk flags (or risks without --fail-on-risk)
FINDINGS = 1  # validate found errors, or a command failed (bad input, git, sops, a cluster tool)
USAGE = 2  # wrong command line (argparse's own code, as for kubectl and helm)
RISK = 3  # diff --fail-on-risk: risk flags present (distinct from a usage error)
CLOSED_PIPE = 141  # the reader of our output went away (`| head`): quiet, as kubectl and git (128 + SIGPIPE)

EXIT_CODES_HELP = f"""exit codes:
  {OK}  ok
  {FINDINGS}  findings (validate errors) or a failure
  {USAGE}  usage error (unknown command, option or environment)
  {RISK}  risk flags present (diff --fail-on-risk)
  {CLOSED_PIPE}  the output's reader closed the pipe early (e.g. | head): nothing printed, like kubectl
"""
