"""The reference-district generator behind `wangge demo`."""
