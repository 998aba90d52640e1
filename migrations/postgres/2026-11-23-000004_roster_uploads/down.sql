DROP TABLE roster_uploads;
