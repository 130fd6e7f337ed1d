"""Personal API tokens: stored as digests only (django-rest-knox), named, expiring, several per
user. Its own app so that its table has its own migrations."""
