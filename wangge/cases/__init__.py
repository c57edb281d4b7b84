"""挂牌销号 — tag and close off: categories, time limits, routing, the states of a case,
coordination, urging and supervision, return visits and the case timeline."""
