"""Django-free building blocks with their own tests (architecture.md)."""
