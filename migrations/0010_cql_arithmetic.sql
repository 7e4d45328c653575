-- CQL2 arithmetic (package cql2, Arithmetic Expressions) as cql2.Eval
-- computes it on float8: division and modulo by zero, overflow and a power
-- without a real result are NULL, not errors; an underflow is 0. The filter
-- compiler of geo/postgis emits cql2_arith(op, a, b) with op one of
-- + - * / div % ^ (a constant of its own, never the client's text).
CREATE FUNCTION cql2_arith(op text, a float8, b float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    CASE op
    WHEN '+' THEN RETURN a + b;
    WHEN '-' THEN RETURN a - b;
    WHEN '*' THEN RETURN a * b;
    WHEN '/' THEN
        IF b = 0 THEN RETURN NULL; END IF;
        RETURN a / b;
    WHEN 'div' THEN
        IF b = 0 THEN RETURN NULL; END IF;
        RETURN trunc(a / b);
    WHEN '%' THEN
        -- The sign of the dividend, as Go's math.Mod; exact for whole numbers.
        IF b = 0 THEN RETURN NULL; END IF;
        RETURN a - b * trunc(a / b);
    WHEN '^' THEN RETURN power(a, b);
    ELSE RAISE EXCEPTION 'cql2_arith: unknown operator %', op;
    END CASE;
EXCEPTION
    WHEN numeric_value_out_of_range THEN
        -- Overflow (NULL) or underflow (0): which one the magnitudes say.
        IF (op = '*' AND ln(abs(a)) + ln(abs(b)) < 0)
           OR (op IN ('/', 'div') AND ln(abs(a)) - ln(abs(b)) < 0)
           OR (op = '^' AND ln(abs(a)) * b < 0) THEN
            RETURN 0;
        END IF;
        RETURN NULL;
    WHEN invalid_argument_for_power_function OR division_by_zero THEN
        RETURN NULL;
END
$$;
