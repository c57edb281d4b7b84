"""Onboarding a district from its own files: the address book (楼栋/户), the staff roster,
organisation units and resident units. Each import is a dry run first and writes only with
`commit`, all rows or none, and changes nothing on a second run of the same file."""
