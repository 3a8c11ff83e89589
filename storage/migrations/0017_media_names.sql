-- Uploads are renamed once from their old, guessable file names
-- ("<account id>/<media id>.jpg") to random ones; this index lets the
-- engine find the rows left to rename at each start without reading
-- every remote attachment, which has no file here.
CREATE INDEX attachments_files ON attachments (file_path) WHERE file_path <> '';
