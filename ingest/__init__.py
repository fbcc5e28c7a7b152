"""Ingest news articles (files, URLs, JSONL batches, pasted text) into the newsqa store."""
