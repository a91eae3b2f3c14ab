"""Stocks: fundamentals, screener, catalysts, ratings."""
