// The part of jstat's API this project calls; the package ships no type declarations.
declare module 'jstat' {
  const jstat: {
    jStat: {
      beta: {
        /** Quantile of the Beta(alpha, beta) distribution at probability p. */
        inv(p: number, alpha: number, beta: number): number;
      };
    };
  };
  export default jstat;
}
