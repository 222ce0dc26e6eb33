// The access table lives in domain/access.ts (pure), shared with the workflows' validators.
export * from '../domain/access';
