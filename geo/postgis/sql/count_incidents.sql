SELECT count(*) FROM incidents WHERE /*FILTER*/
