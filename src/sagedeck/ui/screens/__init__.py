"""The app's screens. Each derives from ``base.DeckScreen`` (its failed workers reach the app's
one reporter); none imports the app."""
