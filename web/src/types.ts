// Shapes of the API's records, as docs/API.md and src/http/openapi.json give them.

export interface Class {
  id: number;
  name: string;
  section: string;
  created_at: string;
}

export interface Subject {
  id: number;
  code: string;
  name: string;
  created_at: string;
}

export interface Teacher {
  id: number;
  user_id: number;
  name: string;
  email: string;
  phone: string;
  telegram_linked: boolean;
  created_at: string;
  generated_password?: string;
}

export interface Assignment {
  id: number;
  teacher_id: number;
  class_id: number;
  subject_id: number;
}

export interface Student {
  id: number;
  user_id: number | null;
  name: string;
  roll_number: string;
  registration_number: string;
  class_id: number;
  phone: string;
  telegram_linked: boolean;
  created_at: string;
  generated_password?: string;
  photo_count?: number; // in the list: accepted enrollment photos (0: not enrolled)
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface QualityMeasures {
  eye_distance_px: number;
  sharpness: number;
  brightness: number;
  contrast: number;
  yaw_deg: number;
  roll_deg: number;
  detector_score: number;
}

export interface Photo {
  id: number;
  student_id: number;
  content_type: string;
  is_kept: boolean;
  quality: { detection: { box: Box; score: number }; quality: QualityMeasures } | null;
  created_at: string;
}

export interface PhotoOutcome {
  filename: string;
  accepted: boolean;
  ms: number;
  photo?: Photo;
  reason?: { code: string; message: string };
  face?: { detection: { box: Box; score: number }; quality: QualityMeasures };
  possible_duplicate?: { student_id: number; name: string; roll_number: string; similarity: number };
}

export interface EnrollmentReport {
  student_id: number;
  accepted: number;
  rejected: number;
  photo_count: number;
  model_id: string;
  photos: PhotoOutcome[];
}

export interface Job {
  id: number;
  kind: string;
  state: "queued" | "running" | "done" | "failed";
  done: number;
  total: number;
  errors: { line: number; roll_number: string; code: string; message: string }[];
  created_at: string;
  updated_at: string;
}

export type Method = "photo" | "checkin" | "manual" | "mixed";
export type Status = "present" | "absent" | "late" | "excused";

export interface Session {
  id: number;
  class_id: number;
  subject_id: number;
  teacher_id: number;
  starts_at: string;
  ends_at: string;
  starts_ms: number;
  ends_ms: number;
  method: Method;
  is_locked: boolean;
  created_at: string;
}

export interface StudentRef {
  id: number;
  name: string;
  roll_number: string;
}

export interface Face {
  id: number;
  photo_id: number;
  index: number;
  box: Box;
  status: "matched" | "borderline" | "unknown" | "low_quality";
  student: StudentRef | null;
  similarity: number | null;
  runner_up: StudentRef | null;
  runner_up_similarity: number | null;
  margin: number | null;
  corrected: boolean;
  quality?: { issues: string[] };
}

export interface ClassPhoto {
  id: number;
  session_id: number;
  filename: string;
  width: number;
  height: number;
  annotated_url: string;
  image_url: string;
  faces: Face[];
  processing_ms?: number;
}

export interface ResultStudent {
  student: StudentRef;
  status: Status;
  found: boolean;
  decided_by: "photo" | "checkin" | "manual";
  // True when saving would change the saved record (or there is none yet).
  pending: boolean;
  similarity: number | null;
  faces: { face_id: number; photo_id: number; corrected: boolean; similarity: number | null }[];
  saved: { status: Status; decided_by: string; changed_at: string } | null;
}

export interface SessionResult {
  session: Session;
  saved: boolean;
  present: number; // present + late
  absent: number;
  counts: Record<Status, number>;
  pending: number; // records a save would change
  students: ResultStudent[];
  unknown_faces: { face_id?: number; id?: number; photo_id: number }[];
  borderline_faces: { face_id?: number; id?: number; photo_id: number }[];
  conflicts: { student: StudentRef; reason: string }[];
  changed?: number;
}

export interface Window {
  id: number;
  session_id: number;
  code: string;
  state: "open" | "closing" | "finalized";
  opens_at: string;
  closes_at: string;
  grace_ends_at: string;
  seconds_left?: number;
  latitude: number;
  longitude: number;
  radius_m: number;
  accept_photos: boolean;
  link: string;
  // Sentences: why phones may not open the link (loopback, plain http, another address).
  link_warnings?: string[];
  counts: { accepted: number; queued: number; rejected: number; verifying: number };
  qr_svg_url: string;
}

export interface Submission {
  id: string;
  state: "queued" | "verifying" | "accepted" | "rejected";
  verdict: { code: string; message: string } | null;
  attendance: string | null;
  already?: boolean;
  student_id?: number;
  student_name?: string;
  roll_number?: string;
  similarity?: number;
  distance_m?: number;
  submitted_at: string;
  verified_at?: string | null;
  // Once accepted: who, which lecture, when.
  receipt?: {
    student_name: string;
    roll_number: string;
    subject_name: string;
    subject_code: string;
    class_name: string;
    class_section: string;
    session_starts_at: string | null;
    checked_in_at: string;
  };
}

export interface Counts {
  present: number;
  absent: number;
  late: number;
  excused: number;
  unrecorded: number;
  attended: number;
  counted: number;
  percent: number | null;
}

export interface ReportSession {
  id: number;
  date: string;
  starts_ms: number;
  method: Method;
  is_locked: boolean;
  subject: { id: number; code: string; name: string };
}

export interface ClassReport {
  class: Class;
  from: string | null;
  to: string | null;
  threshold?: number;
  sessions: ReportSession[];
  students: {
    id: number;
    name: string;
    roll_number: string;
    statuses: (Status | null)[];
    percent: number | null;
    below_threshold: boolean;
    subjects: { subject_id: number; code: string; percent: number | null }[];
    totals: Counts;
  }[];
  below_threshold: { id: number; name: string; roll_number: string; percent: number | null }[];
  subjects?: {
    id?: number;
    subject_id?: number;
    code: string;
    name?: string;
    percent: number | null;
    totals?: Counts;
  }[];
}

export interface StudentReport {
  student: StudentRef;
  class: Class;
  percent: number | null;
  totals: Counts;
  history: { session: ReportSession; status: Status; decided_by: string; changed_ms: number }[];
  subjects: { id: number; code: string; name: string; percent: number | null; sessions: number; totals: Counts }[];
}

export const classLabel = (c: Class | undefined) => (c ? (c.section ? `${c.name} · ${c.section}` : c.name) : "—");
