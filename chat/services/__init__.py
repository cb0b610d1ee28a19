"""Chat's writers (the only code that writes chat's tables or publishes its events).

- state: the conversation state machine, its clocks and its facts (the one owner);
- messages: storing one marketplace message (a push, a read-back);
- publish: live events to the agents' sockets, stored for replay;
- pipeline/: the marketplace side (pushes, pull-sync, outbox, order cache, audit, retention);
- inbox/: the agents' side (conversation actions, presence, the demo seed).
"""
