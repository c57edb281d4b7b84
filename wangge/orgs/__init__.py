"""Organisation units laid on the area tree, horizontal units, resident units, responsibility
zones, demonstration households and the coverage report ("zero blind spots")."""
