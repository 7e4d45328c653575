SELECT code FROM regions WHERE kind = 'badia'
