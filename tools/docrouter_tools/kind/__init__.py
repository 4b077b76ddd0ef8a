"""Local Kind cluster loop: up, secrets, deploy, status, down (`make kind-*`)."""
