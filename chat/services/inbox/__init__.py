"""The inbox: what agents do to conversations (conversations: read, assign or transfer,
resolve, reopen), who is online (presence), and the demo's seed (demo)."""
