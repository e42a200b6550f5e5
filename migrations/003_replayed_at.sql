-- When an operator last sent a rejected message through the pipeline again (`mesctl replay`).
-- NULL: never replayed, or refused again after the replay (the sink then updates the reason).
ALTER TABLE rejected_messages ADD COLUMN replayed_at timestamptz;
