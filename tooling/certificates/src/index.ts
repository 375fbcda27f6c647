export {
  createCertificateAuthority,
  type Issued,
  issueClientCertificate,
  issueServerCertificate,
} from './issue';
