"""The network of trading centers (province → city → county), venues and working-day calendars."""
