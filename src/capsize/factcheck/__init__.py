"""``capsize factcheck``: check the figures in a market article against the data.

``claim`` holds the structured claim and verdict (the contract), ``extract`` turns text into
claims, ``check`` answers each claim through the query layer, ``render`` writes the annotated
article, the summary table and the JSON.
"""
