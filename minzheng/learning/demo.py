def run(*, stdout, password: str) -> str:
    return "todo"
