// Short reference lists the forms pick from (classes, subjects, teachers).
import { getAll } from "./api";
import type { Class, Subject, Teacher } from "./types";
import { useAsync } from "./ui";

export const useClasses = () => useAsync(() => getAll<Class>("/api/v1/classes"), []);
export const useSubjects = () => useAsync(() => getAll<Subject>("/api/v1/subjects"), []);
export const useTeachers = (enabled = true) =>
  useAsync(() => (enabled ? getAll<Teacher>("/api/v1/teachers") : Promise.resolve([] as Teacher[])), [enabled]);
