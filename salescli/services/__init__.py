"""Use-cases that join domain rules and the database, shared by commands, importers and the sample loader.

Every function takes the open transaction as ``conn`` and returns plain dicts (money as Decimal).
"""
