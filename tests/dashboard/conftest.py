from tests.bilan.conftest import colleague  # noqa: F401  (the same colleague of organisation A)
