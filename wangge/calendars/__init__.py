"""The work calendar: statutory holidays and make-up working days (调休), national and per district."""
