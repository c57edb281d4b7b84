"""wangge (网格): the information platform for grid-based community governance."""
