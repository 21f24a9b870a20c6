-- No double booking, enforced by PostgreSQL: two live bookings of one tutor (or of one learner)
-- never overlap, buffers included. Live = held (not yet expired by the sweep), booked, confirmed.
ALTER TABLE "tutoring"."bookings" ADD CONSTRAINT "bookings_tutor_no_overlap"
  EXCLUDE USING gist ("tutor_id" WITH =, tstzrange("blocks_from", "blocks_until", '[)') WITH &&)
  WHERE ("status" IN ('held', 'booked', 'confirmed'));
--> statement-breakpoint
ALTER TABLE "tutoring"."bookings" ADD CONSTRAINT "bookings_learner_no_overlap"
  EXCLUDE USING gist ("learner_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('held', 'booked', 'confirmed'));
