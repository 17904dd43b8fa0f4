DROP TABLE symbol_mappings;
