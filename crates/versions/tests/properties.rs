//! Properties every ordering must have: no input makes parsing or comparing panic, and each
//! ordering is a total order (reflexive, antisymmetric, transitive) on generated versions.

use std::cmp::Ordering;

use patchwarden_versions::Scheme;
use proptest::prelude::*;

const SCHEMES: [Scheme; 15] = [
    Scheme::SemVer,
    Scheme::Npm,
    Scheme::SemVerPadded,
    Scheme::Pep440,
    Scheme::RubyGems,
    Scheme::Dpkg,
    Scheme::Rpm,
    Scheme::Maven,
    Scheme::NuGet,
    Scheme::Packagist,
    Scheme::Apk,
    Scheme::Pub,
    Scheme::Cran,
    Scheme::Hackage,
    Scheme::Generic,
];

/// Version-shaped strings in a scheme's own alphabet, so most of them parse.
fn generated(scheme: Scheme) -> BoxedStrategy<String> {
    match scheme {
        Scheme::SemVer | Scheme::Npm | Scheme::SemVerPadded => {
            "v?[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-(alpha|beta|rc|[0-9]{1,2})(\\.[0-9a-z]{1,3}){0,2})?(\\+[0-9a-z]{1,4})?"
                .boxed()
        }
        Scheme::Pep440 => "([0-9]!)?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}((a|b|rc)[0-9]{1,2})?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-z0-9]{1,4})?".boxed(),
        Scheme::RubyGems => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(\\.(pre|rc|beta|a)[0-9]?)?".boxed(),
        Scheme::Dpkg => "([0-9]:)?[0-9]{1,2}(\\.[0-9a-z]{1,3}){0,3}(~[a-z0-9]{1,3})?(\\+[a-z0-9]{1,3})?(-[0-9a-z.~+]{1,6})?".boxed(),
        Scheme::Rpm => "([0-9]:)?[0-9]{1,3}(\\.[0-9a-z]{1,3}){0,3}(~[a-z0-9]{1,3})?(\\^[a-z0-9]{1,3})?(-[0-9][0-9a-z._]{0,6})?".boxed(),
        Scheme::Maven => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-(alpha|beta|rc|SNAPSHOT|sp|final|foo)[0-9]{0,2})?".boxed(),
        Scheme::NuGet => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[0-9A-Za-z]{1,4}(\\.[0-9A-Za-z]{1,3}){0,2})?(\\+[0-9a-z]{1,3})?".boxed(),
        Scheme::Packagist => "v?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-(dev|alpha|beta|RC|patch|p)[0-9]{0,2})?".boxed(),
        Scheme::Apk => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}[a-z]?(_(alpha|beta|pre|rc|p|git)[0-9]{0,2}){0,2}(-r[0-9]{1,2})?".boxed(),
        Scheme::Pub => "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[0-9a-z]{1,3}(\\.[0-9a-z]{1,3}){0,2})?(\\+[0-9a-z]{1,3})?".boxed(),
        Scheme::Cran => "[0-9]{1,3}([.-][0-9]{1,3}){1,3}".boxed(),
        Scheme::Hackage => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}".boxed(),
        Scheme::Generic => "[0-9a-z.\\-_+~]{1,12}".boxed(),
    }
}

fn check_total(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Ok(x), Ok(y), Ok(z)) = (scheme.parse(a), scheme.parse(b), scheme.parse(c)) else {
        return Ok(());
    };
    prop_assert_eq!(x.cmp(&x), Ordering::Equal, "reflexive: {}", a);
    prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "antisymmetric: {} {}", a, b);
    if x <= y && y <= z {
        prop_assert!(x <= z, "transitive: {} <= {} <= {}", a, b, c);
    }
    if x >= y && y >= z {
        prop_assert!(x >= z, "transitive: {} >= {} >= {}", a, b, c);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_never_panic(a in "\\PC{0,40}", b in ".{0,40}") {
        for scheme in SCHEMES {
            let _ = scheme.parse(&a);
            let _ = scheme.compare(&a, &b);
            let _ = scheme.compare(&b, &a);
        }
    }

    #[test]
    fn semver_is_a_total_order(a in generated(Scheme::SemVer), b in generated(Scheme::SemVer), c in generated(Scheme::SemVer)) {
        check_total(Scheme::SemVer, &a, &b, &c)?;
        check_total(Scheme::Npm, &a, &b, &c)?;
        check_total(Scheme::SemVerPadded, &a, &b, &c)?;
    }

    #[test]
    fn pep440_is_a_total_order(a in generated(Scheme::Pep440), b in generated(Scheme::Pep440), c in generated(Scheme::Pep440)) {
        check_total(Scheme::Pep440, &a, &b, &c)?;
    }

    #[test]
    fn rubygems_is_a_total_order(a in generated(Scheme::RubyGems), b in generated(Scheme::RubyGems), c in generated(Scheme::RubyGems)) {
        check_total(Scheme::RubyGems, &a, &b, &c)?;
    }

    #[test]
    fn dpkg_is_a_total_order(a in generated(Scheme::Dpkg), b in generated(Scheme::Dpkg), c in generated(Scheme::Dpkg)) {
        check_total(Scheme::Dpkg, &a, &b, &c)?;
    }

    #[test]
    fn rpm_is_a_total_order(a in generated(Scheme::Rpm), b in generated(Scheme::Rpm), c in generated(Scheme::Rpm)) {
        check_total(Scheme::Rpm, &a, &b, &c)?;
    }

    #[test]
    fn apk_pub_cran_hackage_are_total_orders(a in generated(Scheme::Apk), b in generated(Scheme::Apk), c in generated(Scheme::Apk),
            d in generated(Scheme::Pub), e in generated(Scheme::Pub), f in generated(Scheme::Pub),
            g in generated(Scheme::Cran), h in generated(Scheme::Cran), i in generated(Scheme::Cran),
            j in generated(Scheme::Hackage), k in generated(Scheme::Hackage), l in generated(Scheme::Hackage)) {
        check_total(Scheme::Apk, &a, &b, &c)?;
        check_total(Scheme::Pub, &d, &e, &f)?;
        check_total(Scheme::Cran, &g, &h, &i)?;
        check_total(Scheme::Hackage, &j, &k, &l)?;
    }

    #[test]
    fn maven_nuget_packagist_are_total_orders(a in generated(Scheme::Maven), b in generated(Scheme::Maven), c in generated(Scheme::Maven),
            d in generated(Scheme::NuGet), e in generated(Scheme::NuGet), f in generated(Scheme::NuGet),
            g in generated(Scheme::Packagist), h in generated(Scheme::Packagist), i in generated(Scheme::Packagist)) {
        check_total(Scheme::Maven, &a, &b, &c)?;
        check_total(Scheme::NuGet, &d, &e, &f)?;
        check_total(Scheme::Packagist, &g, &h, &i)?;
    }

    #[test]
    fn generic_is_a_total_order(a in generated(Scheme::Generic), b in generated(Scheme::Generic), c in generated(Scheme::Generic)) {
        check_total(Scheme::Generic, &a, &b, &c)?;
    }
}
