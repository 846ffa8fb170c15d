-- Nothing to undo: which values were milliseconds is not recorded, and seconds stay valid.
SELECT 1;
