"""Views of commerce, one module per concern (thin: parse → selector/service → presenter)."""
