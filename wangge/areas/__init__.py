"""The area tree: district → community → grid → building group → building → household."""
