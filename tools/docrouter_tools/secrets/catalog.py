"""Every key the workloads read from their Secrets, with what it is for.

The single list behind secrets/TEMPLATE.md, .env.kind.example, the template that
`make secrets-edit` encrypts for a new environment and the checks of `make kind-secrets`.
Tests keep those files in step with this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from docrouter import constants as c
from docrouter.providers import Provider


@dataclass(frozen=True)
class SecretKey:
    name: str
    description: str
    required: bool
    # A random value is generated for it: by `make secrets-init` for a new encrypted
    # environment, and by `make kind-secrets` (once) when .env.kind leaves it empty.
    generated: bool = False
    # Required in the cloud environments but optional on a laptop (`make kind-secrets`).
    optional_on_kind: bool = False
    # The shortest real value: shorter is still the CHANGE-ME placeholder (`make validate` says so).
    min_length: int = 0

    def required_on(self, provider: Provider) -> bool:
        return self.required and not (provider.is_local and self.optional_on_kind)

    @property
    def requirement(self) -> str:
        """How secrets/TEMPLATE.md and .env.kind.example describe it."""
        if not self.required:
            return "optional"
        return "required (optional on Kind)" if self.optional_on_kind else "required"


APP_SECRET_KEYS = (
    SecretKey(
        "MONGODB_URI", "MongoDB connection string (built from the app password when MongoDB runs in the cluster)", True
    ),
    SecretKey("NEXTAUTH_SECRET", "random string that signs NextAuth session cookies", True, generated=True),
    SecretKey("FASTAPI_SECRET", "random string that signs the backend's API tokens", True, generated=True),
    SecretKey("ADMIN_EMAIL", "e-mail of the administrator account created on first start", True),
    SecretKey("ADMIN_PASSWORD", "password of that administrator account", True, generated=True),
    SecretKey("AUTH_GITHUB_ID", "client id of the GitHub OAuth app (sign-in with GitHub)", False),
    SecretKey("AUTH_GITHUB_SECRET", "client secret of that GitHub OAuth app", False),
    SecretKey("AUTH_GOOGLE_ID", "client id of the Google OAuth client (sign-in with Google)", False),
    SecretKey("AUTH_GOOGLE_SECRET", "client secret of that Google OAuth client", False),
    SecretKey("OPENAI_API_KEY", "OpenAI API key (at least one LLM provider key is needed to process documents)", False),
    SecretKey("ANTHROPIC_API_KEY", "Anthropic API key (LLM provider)", False),
    SecretKey("GEMINI_API_KEY", "Google Gemini API key (LLM provider)", False),
    SecretKey("GROQ_API_KEY", "Groq API key (LLM provider)", False),
    SecretKey("MISTRAL_API_KEY", "Mistral API key (LLM provider)", False),
    # The app reads these two variables itself (it does not use a pod role such as IRSA);
    # without them uploads fail, which a laptop may accept.
    SecretKey(
        "AWS_ACCESS_KEY_ID",
        "AWS access key for the S3 bucket and Textract (uploads and OCR)",
        True,
        optional_on_kind=True,
    ),
    SecretKey("AWS_SECRET_ACCESS_KEY", "secret of that AWS access key", True, optional_on_kind=True),
    SecretKey("STRIPE_SECRET_KEY", "Stripe secret key (billing; leave unset to run without billing)", False),
    SecretKey("STRIPE_WEBHOOK_SECRET", "signing secret of the Stripe webhook endpoint", False),
    SecretKey("STRIPE_PRODUCT_TAG", "tag that marks this deployment's products in Stripe", False),
    SecretKey("SES_FROM_EMAIL", "sender address of e-mails sent through Amazon SES", False),
)

_MONGODB_USER_PURPOSE = {
    c.MONGODB_ADMIN_USER: "the MongoDB administrator (role root; for operators, not the app)",
    c.MONGODB_APP_USER: "the app's MongoDB user (also inside MONGODB_URI)",
    c.MONGODB_SEARCH_USER: "mongot's sync-source user (role searchCoordinator)",
}
MONGODB_SECRET_KEYS = tuple(
    SecretKey(key, f"password of `{user}`: {_MONGODB_USER_PURPOSE[user]}", True, generated=True)
    for user, key in c.MONGODB_USER_PASSWORD_KEYS.items()
)

# Read by Flux's githubdispatch Provider (notification-controller v1.8.4, internal/server/event_handlers.go:
# `address` replaces spec.address, `token` authenticates). Nobody can generate either: secrets-init writes CHANGE-ME.
GITHUB_DISPATCH_KEYS = (
    SecretKey(
        "address",
        "the repository Flux dispatches to, https://github.com/<owner>/<repo> (this one)",
        True,
        min_length=len("https://github.com/o/r"),
    ),
    # GitHub's token formats (github.blog 2021-04-05, "Behind GitHub's new authentication token formats"):
    # ghp_/ghs_ tokens are 40 characters, fine-grained github_pat_ tokens 93.
    SecretKey(
        "token",
        "GitHub token that may send repository_dispatch there (fine-grained: Contents read and write)",
        True,
        min_length=40,
    ),
)

# Secret name → (namespace, keys).
SECRETS = {
    c.APP_SECRET_NAME: (c.APP_NAMESPACE, APP_SECRET_KEYS),
    c.MONGODB_SECRET_NAME: (c.MONGODB_NAMESPACE, MONGODB_SECRET_KEYS),
    c.GITHUB_DISPATCH_SECRET: (c.FLUX_NAMESPACE, GITHUB_DISPATCH_KEYS),
}
