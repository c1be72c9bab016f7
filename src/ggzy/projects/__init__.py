"""Projects, tender projects, sections (标段/包), announcements, documents, questions — before the bids."""
