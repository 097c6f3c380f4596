"""Budgets and rate limits: calendar windows, call costs, and the holds a request keeps."""
