def run(*, stdout, password: str) -> str:
    return "welfare: nothing yet."
