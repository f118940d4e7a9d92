CREATE INDEX "book_tags_tag_id_idx" ON "book_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "books_author_id_idx" ON "books" USING btree ("author_id");