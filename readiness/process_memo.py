"""A bounded dictionary kept for the life of a process, for values that cannot go stale because
their key spells out everything they depend on (rendered fragments, built form fields). When
full it empties itself: keys can come from the client (a query string), so it must not grow
without bound, and a refill costs one render per key."""


class ProcessMemo(dict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key, value):
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
