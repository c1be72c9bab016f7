"""Award (定标): candidate publicity, objections, award decision and notices, contract record, archive."""
